/**
 * The syntax tree the compose loader reads YAML into, whichever reader built it: the
 * fast block reader (yaml-block-reader.ts) or the `yaml` package (yaml-library-reader.ts).
 * Offsets count UTF-16 units from the start of the text; scalars already hold the value
 * Compose gives them (see scalar-values.ts).
 */
export type YamlNode = YamlScalar | YamlMap | YamlSeq | YamlAlias;

interface NodeProperties {
  /** Where the node starts: its first character, or for an empty value, where it would be. */
  offset: number;
  tag?: string;
  anchor?: string;
}

export interface YamlScalar extends NodeProperties {
  kind: 'scalar';
  value: unknown;
  /** Written without quotes or block indicator: only such a `<<` is a merge key. */
  plain: boolean;
}

export interface YamlPair {
  key: YamlNode | null;
  value: YamlNode | null;
}

export interface YamlMap extends NodeProperties {
  kind: 'map';
  flow: boolean;
  pairs: YamlPair[];
}

export interface YamlSeq extends NodeProperties {
  kind: 'seq';
  flow: boolean;
  items: (YamlNode | null)[];
}

export interface YamlAlias {
  kind: 'alias';
  offset: number;
  /** The anchor name as written after `*`. */
  source: string;
  /** The node the alias stands for; undefined when no anchor of that name precedes it. */
  target: YamlNode | undefined;
  anchor?: undefined;
  tag?: undefined;
}

/** One YAML document of a file: its root node (null when empty) and any syntax error. */
export interface YamlDocument {
  root: YamlNode | null;
  error?: { message: string; offset: number };
  /** Already counted within the alias expansion limit by the reader. */
  expansionChecked?: boolean;
}
