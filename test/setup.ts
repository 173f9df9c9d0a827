import { setupNodeBackend } from '../scripts/lib/nodeBackend';

await setupNodeBackend(process.env.TFJS_BACKEND ?? 'cpu');
