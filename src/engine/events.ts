import { EventEmitter } from 'node:events';

/** An event as the Docker API streams it from /events. */
export interface EngineEvent {
  Type: 'container' | 'image' | 'volume' | 'network' | 'daemon';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
  /** Legacy fields old clients still read for containers and images. */
  status?: string;
  id?: string;
  from?: string;
}

export type EventFilters = Record<string, string[]>;

const historySize = 1000;

/** The engine's event bus: keeps recent history so `since` can replay it. */
export class EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly history: EngineEvent[] = [];

  publish(
    type: EngineEvent['Type'],
    action: string,
    id: string,
    attributes: Record<string, string> = {},
  ): void {
    const nanos = process.hrtime.bigint() % 1_000_000n;
    const nowMs = Date.now();
    const timeNano = Number(BigInt(nowMs) * 1_000_000n + nanos);
    const event: EngineEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Math.floor(nowMs / 1000),
      timeNano,
    };
    if (type === 'container' || type === 'image') {
      event.status = action;
      event.id = id;
      if (attributes.image) event.from = attributes.image;
    }
    this.history.push(event);
    if (this.history.length > historySize) this.history.shift();
    this.emitter.emit('event', event);
  }

  /** Past events since `sinceNano`, then live ones until unsubscribed. */
  subscribe(sinceNano: number | undefined, listener: (event: EngineEvent) => void): () => void {
    if (sinceNano !== undefined) {
      for (const event of this.history) if (event.timeNano >= sinceNano) listener(event);
    }
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}

/** Docker's event filters: every given key must match (values of one key are alternatives). */
export function eventMatches(event: EngineEvent, filters: EventFilters): boolean {
  const attributes = event.Actor.Attributes;
  const checks: Record<string, (value: string) => boolean> = {
    type: (value) => event.Type === value,
    event: (value) => event.Action === value || event.Action.startsWith(`${value}:`),
    container: (value) =>
      event.Type === 'container' && (event.Actor.ID.startsWith(value) || attributes.name === value),
    image: (value) => attributes.image === value || event.Actor.ID === value,
    volume: (value) => event.Type === 'volume' && event.Actor.ID === value,
    network: (value) =>
      event.Type === 'network' &&
      (event.Actor.ID.startsWith(value) || Boolean(attributes.name?.startsWith(value))),
    label: (value) => {
      const [key, expected] = splitOnce(value, '=');
      return key in attributes && (expected === undefined || attributes[key] === expected);
    },
    scope: (value) => value === 'local',
  };
  return Object.entries(filters).every(([key, values]) => {
    const check = checks[key];
    return check === undefined || values.length === 0 || values.some(check);
  });
}

export function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + separator.length)];
}

/** Docker accepts times as unix seconds with an optional fraction, or as RFC 3339 dates. */
export function parseTimestampNano(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) {
    const [seconds, fraction = ''] = value.split('.');
    return Number(seconds) * 1e9 + Number(fraction.padEnd(9, '0').slice(0, 9));
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  return ms * 1e6;
}
