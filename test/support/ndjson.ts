// zmigrate's --json output as tests read it: NDJSON events, the report as the last line.

/** The last line of NDJSON output, parsed (null when there is none). Check it with the report's schema. */
export function lastJson<T = any>(stdout: string): T {
  return JSON.parse(String(stdout).trim().split('\n').at(-1) || 'null') as T
}
