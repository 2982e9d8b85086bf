// A node pack for CLI tests, loaded with `--node-pack`: the queue tests' toy nodes.
export { toyNodes as nodes } from '../graph-engine/queue-toy-nodes.ts';
