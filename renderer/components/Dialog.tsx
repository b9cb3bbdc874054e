/**
 * A modal dialog named for assistive technology; Escape or a click outside closes it. Rendered into the body:
 * inside the sticky header its overlay would cover only the header.
 */
import type { ReactNode } from 'react';
import { createPortal } from 'react-dom';

export function Dialog(props: { label: string; onClose(): void; children: ReactNode; wide?: boolean }) {
  return createPortal(
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
    </div>,
    document.body,
  );
}
