/** A modal dialog named for assistive technology; Escape or a click outside closes it. */
import type { ReactNode } from 'react';

export function Dialog(props: { label: string; onClose(): void; children: ReactNode; wide?: boolean }) {
  return (
    <div
      className="overlay"
      onClick={props.onClose}
      onKeyDown={(e) => {
        if (e.key === 'Escape') props.onClose();
      }}
    >
      <div className={`dialog${props.wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-label={props.label} onClick={(e) => e.stopPropagation()}>
        <h2>{props.label}</h2>
        {props.children}
      </div>
    </div>
  );
}
