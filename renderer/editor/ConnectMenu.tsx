import { useMemo, useState } from 'react';
import type { Candidate } from '../model/graph-doc.ts';

interface Props {
  at: { x: number; y: number };
  candidates: Candidate[];
  onPick(c: Candidate): void;
  onClose(): void;
  /** What the search field asks for; the empty text when nothing matches. */
  placeholder?: string;
  empty?: string;
}

/** The menu shown where a dangling link was dropped: only nodes with a fitting port. */
export function ConnectMenu({ at, candidates, onPick, onClose, placeholder, empty }: Props) {
  const [query, setQuery] = useState('');
  const shown = useMemo(
    () =>
      candidates.filter((c) =>
        `${c.info.title} ${c.info.type} ${c.info.category}`.toLowerCase().includes(query.toLowerCase()),
      ),
    [candidates, query],
  );
  return (
    <div
      className="connect-menu"
      style={{ left: at.x, top: at.y }}
      role="menu"
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      <input
        autoFocus
        className="menu-search"
        placeholder={placeholder ?? 'Compatible nodes…'}
        aria-label={placeholder ?? 'Compatible nodes'}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && shown[0] && onPick(shown[0])}
      />
      {shown.length === 0 && <div className="empty">{empty ?? 'No node takes this link'}</div>}
      {shown.map((c) => (
        <button
          key={c.info.type}
          type="button"
          className="menu-item"
          role="menuitem"
          data-node-type={c.info.type}
          onClick={() => onPick(c)}
        >
          <span>{c.info.title}</span>
          <em>
            {c.info.category}
            {c.port ? ` · ${c.port}` : ''}
          </em>
        </button>
      ))}
    </div>
  );
}
