import { useEffect, useRef } from 'react';

export interface MenuItem {
  label: string;
  /** The key that does the same, shown at the right (the menu teaches the shortcuts). */
  keys?: string;
  disabled?: boolean;
  run(): void;
}

interface Props {
  at: { x: number; y: number };
  label: string;
  items: MenuItem[];
  onClose(): void;
}

/** The right-click menu of a node, a link or the canvas; Escape or a click elsewhere closes it. */
export function ContextMenu({ at, label, items, onClose }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>('button:not(:disabled)')?.focus();
    const away = (e: PointerEvent) => {
      if (!ref.current?.contains(e.target as Node)) onClose();
    };
    window.addEventListener('pointerdown', away, true);
    return () => window.removeEventListener('pointerdown', away, true);
  }, [onClose]);
  return (
    <div
      ref={ref}
      className="context-menu"
      style={{ left: at.x, top: at.y }}
      role="menu"
      aria-label={label}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
        if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
        e.preventDefault();
        const buttons = [...(ref.current?.querySelectorAll<HTMLButtonElement>('button:not(:disabled)') ?? [])];
        const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
        buttons[(i + (e.key === 'ArrowDown' ? 1 : buttons.length - 1)) % buttons.length]?.focus();
      }}
    >
      {items.map((item) => (
        <button
          key={item.label}
          type="button"
          role="menuitem"
          className="menu-item"
          disabled={item.disabled}
          onClick={() => {
            onClose();
            item.run();
          }}
        >
          <span>{item.label}</span>
          {item.keys && <kbd>{item.keys}</kbd>}
        </button>
      ))}
    </div>
  );
}
