/**
 * One bench run as Markdown, written next to its JSON: the command, machine and duration, the
 * one-node sweep, every part's tables and charts, and the targets.
 * RESULTS.md quotes it and adds the reasons; the file itself is the unedited record.
 */
import { basename } from 'node:path';
import type { BenchReport } from '../harness';
import { renderCpuSplit } from '../harness';
import { fmt, markdownTable } from './stats';

export function renderReportMarkdown(report: BenchReport): string {
  const machine = report.machine as {
    nproc?: number;
    cpu?: string;
    memoryGiB?: number;
    node?: string;
    taskset?: boolean;
    loadAvgAtStart?: number[];
    loadAvgAtEnd?: number[];
  };
  const chartFile = (id: string) => report.chartFiles.find((f) => f.endsWith(`-${id}.svg`));
  const lines: string[] = [
    `# Bench run ${report.date}`,
    '',
    `- **Command:** \`${report.command}\` (mode ${report.mode}), ${fmt(report.durationS)} s wall time.`,
    `- **Machine:** ${machine.nproc ?? '?'} CPUs (${machine.cpu ?? '?'}), ${machine.memoryGiB ?? '?'} GiB, Node ${machine.node ?? '?'}, ` +
      `taskset ${machine.taskset ? 'yes' : 'no'}; load average ${String(machine.loadAvgAtStart ?? '?')} at the start, ${String(machine.loadAvgAtEnd ?? '?')} at the end.`,
    '- Every cell is the median (min–max) over the repeats.',
    '',
  ];
  if (report.summary.length) lines.push('## One node', '', report.table, '', renderCpuSplit(report.summary), '');
  for (const part of report.parts) {
    lines.push(`## ${part.title}`, '', part.markdown, '');
    for (const chart of part.charts) {
      const file = chartFile(chart.id);
      if (file) lines.push(`![${chart.title}](${basename(file)})`, '');
    }
  }
  for (const chart of report.charts.filter((c) => !report.parts.some((p) => p.charts.includes(c)))) {
    const file = chartFile(chart.id);
    if (file) lines.push(`![${chart.title}](${basename(file)})`, '');
  }
  lines.push(
    '## Targets',
    '',
    markdownTable(
      ['target', 'N', 'value (medians)', 'met'],
      report.checks.map((c) => [c.target, fmt(c.n), c.value, c.met ? 'yes' : '**NO**']),
    ),
    '',
  );
  return lines.join('\n');
}
