export { AccessModule } from './access.module.js';
export { RoomAccess } from './room-access.js';
