import { type ReactNode, useEffect, useRef } from 'react';

/**
 * A modal dialog of the app: labelled for screen readers, focus moved inside on open and given back on
 * close, Escape and a click on the backdrop dismiss it.
 */
export function Modal({ label, onDismiss, children }: { label: string; onDismiss(): void; children: ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const q = (selector: string) => box.current?.querySelector<HTMLElement>(selector);
    (q('[data-autofocus]') ?? q('input:not([hidden]), textarea, select, button'))?.focus();
    return () => before?.focus?.();
  }, []);
  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onDismiss();
      }}
    >
      <div
        ref={box}
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-label={label}
        onKeyDown={(e) => {
          if (e.key !== 'Escape') return;
          e.stopPropagation();
          onDismiss();
        }}
      >
        {children}
      </div>
    </div>
  );
}
