// Options of pickers (Mantine Select data).

export interface Option {
  value: string;
  label: string;
}

/** With an id (from the URL or a record) that the options lack, keep it selectable under a neutral label. */
export function withCurrentOption(options: Option[], current: string, label: string): Option[] {
  return current && !options.some((o) => o.value === current) ? [...options, { value: current, label }] : options;
}
