// Pieces every page uses: the message line, progress bars, status badges, dates.
import { html } from 'htm/preact';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Progress, Status } from './api.ts';

export { html };

/** The page's one message line: `fail` shows an error, `done` clears it (a later success clears an error). */
export interface Notice {
  fail(error: unknown): void;
  done(message?: string): void;
}
export const NoticeContext = createContext<Notice>({ fail: () => {}, done: () => {} });
export const useNotice = () => useContext(NoticeContext);

/** Runs an action, reports its error on the message line, or clears the line when it succeeds. */
export function useAction() {
  const notice = useNotice();
  return async function act<T>(run: () => Promise<T>, success?: string): Promise<T | undefined> {
    try {
      const value = await run();
      notice.done(success);
      return value;
    } catch (error) {
      notice.fail(error);
      return undefined;
    }
  };
}

/** A labelled text input whose value lives in the caller's state. */
export function TextField(props: {
  label: string;
  name: string;
  value: string;
  onValue: (value: string) => void;
  placeholder?: string;
  maxlength?: number;
  list?: string;
}) {
  const { label, onValue, ...input } = props;
  return html`<label>${label} <input ...${input} onInput=${(e: Event) => onValue((e.target as HTMLInputElement).value)} /></label>`;
}

export const StatusBadge = ({ status }: { status: Status }) =>
  html`<span class="badge ${status}">${status}</span>`;

export function ProgressBar({ progress, label }: { progress: Progress | null; label: string }) {
  const text = progress ? `${progress.done}/${progress.total} ${progress.unit}` : 'waiting';
  return html`<span class="progress">
    <progress max=${progress?.total ?? 1} value=${progress?.done ?? undefined} aria-label=${label}></progress>
    <span class="progress-text">${text}</span>
  </span>`;
}

export const when = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const seconds = (ms: number) =>
  ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
