/**
 * A modal dialog named for assistive technology; Escape or a click outside closes it. Rendered into the body:
 * inside the sticky header its overlay would cover only the header.
 */
import type { ReactNode } from 'react';
import { createPortal } from 'react-dom';

export function Dialog(props: { label: string; onClose(): void; children: ReactNode; wide?: boolean }) {
  return createPortal(
    // biome-ignore lint/a11y/noStaticElementInteractions: the backdrop: a click on it is the mouse's way out, Escape the keyboard's
    <div
      className="overlay"
      onClick={(e) => {
        if (e.target === e.currentTarget) props.onClose();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') props.onClose();
      }}
    >
      <div className={`dialog${props.wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-label={props.label}>
        <h2>{props.label}</h2>
        {props.children}
      </div>
    </div>,
    document.body,
  );
}

/** A dialog's confirming button (named as shown) and Cancel. */
export function DialogActions(props: { confirm: string; disabled: boolean; busy: boolean; onConfirm(): void; onCancel(): void }) {
  return (
    <div className="dialog-actions">
      <button
        type="button"
        className="primary"
        disabled={props.disabled || props.busy}
        aria-busy={props.busy || undefined}
        onClick={props.onConfirm}
      >
        {props.confirm}
      </button>
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}
