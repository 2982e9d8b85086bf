export function engineEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
