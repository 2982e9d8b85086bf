import { useRef } from 'react';

interface Props<T extends string> {
  /** What the tabs switch between, for screen readers. */
  label: string;
  /** Prefix of the ids linking each tab to its panel (`<id>-tab-<value>`, `<id>-panel`). */
  id: string;
  tabs: readonly { value: T; label: string }[];
  value: T;
  onChange(value: T): void;
}

/** Tabs as the ARIA pattern has them: one tab stop, arrow keys and Home/End move between tabs. */
export function TabList<T extends string>({ label, id, tabs, value, onChange }: Props<T>) {
  const list = useRef<HTMLDivElement>(null);
  function onKeyDown(e: React.KeyboardEvent): void {
    const i = tabs.findIndex((t) => t.value === value);
    const next =
      e.key === 'ArrowRight'
        ? (i + 1) % tabs.length
        : e.key === 'ArrowLeft'
          ? (i - 1 + tabs.length) % tabs.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? tabs.length - 1
              : -1;
    if (next < 0) return;
    e.preventDefault();
    onChange(tabs[next].value);
    list.current?.querySelectorAll<HTMLElement>('[role=tab]')[next]?.focus();
  }
  return (
    <div ref={list} className="switch" role="tablist" aria-label={label} onKeyDown={onKeyDown}>
      {tabs.map((t) => (
        <button
          key={t.value}
          type="button"
          role="tab"
          id={`${id}-tab-${t.value}`}
          aria-selected={t.value === value}
          aria-controls={`${id}-panel`}
          tabIndex={t.value === value ? 0 : -1}
          className={t.value === value ? 'on' : ''}
          onClick={() => onChange(t.value)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

/** The panel a TabList controls. */
export function TabPanel({
  id,
  value,
  className,
  children,
}: {
  id: string;
  value: string;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${value}`} className={className}>
      {children}
    </div>
  );
}
