export { type MeshRole, type PortPlan, portPlan } from './ports.js';
export {
  createRunner,
  namespaceRunner,
  RunError,
  type Runner,
  type RunOptions,
  type RunResult,
} from './runner.js';
