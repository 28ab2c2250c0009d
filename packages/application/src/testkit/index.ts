export { requireExternalService } from './external-service.js';
