// kubectl's column output (tabwriter: columns start where the header's names start) as rows.

export interface KubectlTable {
  header: string[];
  rows: Record<string, string>[];
}

export function parseTable(stdout: string): KubectlTable {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return { header: [], rows: [] };
  const headerLine = lines[0];
  // Header names may hold one space ("NOMINATED NODE"); columns are at least two apart.
  const starts: { name: string; at: number }[] = [];
  for (const m of headerLine.matchAll(/\S+(?: \S+)*/g)) starts.push({ name: m[0], at: m.index ?? 0 });
  const rows = lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    starts.forEach((col, i) => {
      const end = i + 1 < starts.length ? starts[i + 1].at : undefined;
      row[col.name] = line.slice(col.at, end).trim();
    });
    return row;
  });
  return { header: starts.map((s) => s.name), rows };
}
