/**
 * `zmigrate status` for a human: a compact table of the migrations in flight (step, progress,
 * ETA, each host's job), the ones that need a `--resume`, the evacuations, and the recent ones
 * with their outcome and finish reason; then the hosts that could not be asked.
 */
import {formatBytes, formatDuration} from '../units.js'
import type {EvacuationStatus, HostJob, MigrationStatus, Progress, StatusReport} from './status-report.js'

/** Rows of cells, each column as wide as its widest cell; the last column is not padded. */
export function table(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)))
  return rows.map(
    (r) =>
      indent +
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
  )
}

const time = (iso: string | undefined, now: string): string => {
  if (!iso) return '-'
  const [day, clock] = [iso.slice(0, 10), iso.slice(11, 19)]
  return day === now.slice(0, 10) ? clock : `${day} ${clock}`
}

const bytes = (n: number | undefined) => (n === undefined ? '?' : formatBytes(n))

export function progressText(p: Progress | undefined): string {
  if (!p) return '-'
  const parts = [p.percent !== undefined ? `${p.percent}%` : '']
  if (p.dataProcessed !== undefined || p.dataTotal !== undefined) parts.push(`${bytes(p.dataProcessed)} of ${bytes(p.dataTotal)}`)
  if (p.diskTotal) parts.push(`disk ${bytes(p.diskProcessed)}/${bytes(p.diskTotal)}`)
  if (p.memoryTotal) parts.push(`mem ${bytes(p.memoryProcessed)}/${bytes(p.memoryTotal)}`)
  if (p.memoryBps) parts.push(`${bytes(p.memoryBps)}/s`)
  if (p.iteration !== undefined) parts.push(`pass ${p.iteration}`)
  return parts.filter(Boolean).join(', ') || '-'
}

function jobText(j: HostJob | undefined): string {
  if (!j) return '?'
  if (j.state === 'active') return `job ${j.operation ?? 'active'}`
  if (j.state === 'incoming') return 'incoming (statistics on the source)'
  if (j.state === 'unreachable' || j.state === 'error') return `${j.state}${j.message ? `: ${j.message}` : ''}`
  return j.state === 'none' ? 'no job' : j.state
}

const stepText = (m: MigrationStatus) => (m.step ? `${m.step.phase === 'undo' ? 'undo ' : ''}${m.step.id}` : m.state === 'running' ? 'starting' : '-')

function inFlightRows(ms: readonly MigrationStatus[], now: string): string[] {
  const rows = [['GUEST', 'FROM -> TO', 'STARTED', 'STATE', 'STEP', 'PROGRESS', 'ETA']]
  const detail: string[][] = []
  for (const m of ms) {
    const eta = m.eta ? `${formatDuration(m.eta.seconds)}${m.eta.from === 'prediction' ? ' (predicted)' : ''}` : '-'
    rows.push([m.guest, `${m.from} -> ${m.to}`, time(m.startedAt, now), m.state, stepText(m), progressText(m.progress), eta])
    detail.push([
      `${m.guest}: UUID ${m.uuid}${m.holder ? `, PID ${m.holder.pid} on ${m.holder.host}` : ''}`,
      `${m.from}: ${jobText(m.jobs?.source)}; ${m.to}: ${jobText(m.jobs?.destination)}`,
      ...(m.journal ? [`journal ${m.journal}`] : []),
    ])
  }
  return [...table(rows), ...detail.map((d) => `    ${d.join('; ')}`)]
}

function attentionRows(ms: readonly MigrationStatus[]): string[] {
  return ms.flatMap((m) => [
    `  ${m.state.padEnd(11)} ${m.guest} (${m.uuid}) ${m.from} -> ${m.to}${m.step ? `, at ${stepText(m)}` : ''}`,
    `    ${m.remedy ?? ''}`,
  ])
}

function recentRows(ms: readonly MigrationStatus[], now: string): string[] {
  const rows = [['GUEST', 'FROM -> TO', 'STARTED', 'ENDED', 'OUTCOME', 'REASON', 'TOOK', 'DOWNTIME']]
  const notes: string[] = []
  for (const m of ms) {
    const took = m.actual?.migrationSeconds !== undefined ? formatDuration(m.actual.migrationSeconds) : '-'
    const predicted = m.predicted?.totalSeconds !== undefined ? ` (predicted ${formatDuration(m.predicted.totalSeconds)})` : ''
    const reason = `${m.finishReason ?? '-'}${m.cancelledBy ? ` by ${m.cancelledBy}` : ''}`
    rows.push([
      m.guest,
      `${m.from} -> ${m.to}`,
      time(m.startedAt, now),
      time(m.endedAt, now),
      m.state,
      reason,
      `${took}${predicted}`,
      m.actual?.downtimeMs !== undefined ? `${m.actual.downtimeMs} ms` : '-',
    ])
    if (m.state === 'rollback-incomplete' && m.remedy) notes.push(`    ${m.guest} needs a human: ${m.remedy}`)
  }
  return [...table(rows), ...notes]
}

function evacuationRow(e: EvacuationStatus, now: string): string[] {
  const counts = Object.entries(e.guests)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ')
  const who = e.runner && (e.state === 'running' || e.state === 'held-elsewhere') ? ` (PID ${e.runner.pid} on ${e.runner.host})` : ''
  return [
    `  ${e.purpose} ${e.host}: ${e.state}${who}, since ${time(e.createdAt, now)}: ${counts || 'no guests'}${e.stopReason ? `; stopped: ${e.stopReason}` : ''}`,
    `    ${e.remedy ?? e.file}`,
  ]
}

export function renderStatus(r: StatusReport): string {
  const filter = r.filter.host ? ` — from or to ${r.filter.host}` : r.filter.guest ? ` — guest ${r.filter.guest}` : ''
  const out = [`Site ${r.site}, ${r.at.slice(0, 19).replace('T', ' ')} UTC${filter} (data dir ${r.dataDir})`]
  const inFlight = r.migrations.filter((m) => m.inFlight)
  const attention = r.migrations.filter((m) => m.state === 'stale' || m.state === 'interrupted')
  const ended = r.migrations.filter((m) => !m.inFlight && !attention.includes(m))
  out.push('', inFlight.length > 0 ? `In flight (${inFlight.length}):` : 'In flight: none')
  if (inFlight.length > 0) out.push(...inFlightRows(inFlight, r.at))
  if (attention.length > 0) out.push('', `Stopped without finishing (${attention.length}): resume to finish or roll back`, ...attentionRows(attention))
  if (r.evacuations.length > 0) out.push('', 'Evacuations:', ...r.evacuations.flatMap((e) => evacuationRow(e, r.at)))
  if (r.otherJobs.length > 0) {
    out.push('', `Other jobs on ${r.filter.host} (not started from this data dir):`)
    out.push(...table(r.otherJobs.map((j) => [j.name ?? '?', j.uuid, jobText(j.job), progressText(j.progress)])))
  }
  out.push('', ended.length > 0 ? `Recent (${ended.length}):` : 'Recent: none')
  if (ended.length > 0) out.push(...recentRows(ended, r.at))
  const down = r.hosts.filter((h) => !h.reachable)
  if (down.length > 0) out.push('', ...down.map((h) => `Host ${h.name} not asked: ${h.error ?? 'unreachable'}`))
  if (r.notes.length > 0) out.push('', ...r.notes.map((n) => `note: ${n}`))
  return out.join('\n')
}
