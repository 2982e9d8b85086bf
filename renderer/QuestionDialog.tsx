import { useState } from 'react';
import { nameProblem } from '../api/safe-name.ts';
import { Modal } from './Modal.tsx';
import { useStudio } from './state/store.ts';

/** The question the app is asking (state/store.ts `ask`), with an optional name field. */
export function QuestionDialog() {
  const question = useStudio((s) => s.question);
  if (!question) return null;
  // Keyed by the question so a new one starts with its own text.
  return <Asking key={question.title + question.message} />;
}

function Asking() {
  const q = useStudio((s) => s.question);
  const [text, setText] = useState(q?.input?.value ?? '');
  if (!q) return null;
  const trimmed = text.trim();
  const problem = q.input ? nameProblem(trimmed) : undefined;
  const replaces = q.input?.existing.includes(trimmed);
  const choose = (value: string) => q.answer(q.input ? { value, text: trimmed } : { value });
  const main = q.choices.find((c) => c.kind === 'primary');
  return (
    <Modal label={q.title} onDismiss={() => q.answer(undefined)}>
      <h2>{q.title}</h2>
      {q.message && <p className="question">{q.message}</p>}
      {q.input && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (main && !problem) choose(main.value);
          }}
        >
          <label>
            {q.input.label}
            <input
              data-autofocus
              name="name"
              value={text}
              aria-invalid={problem ? true : undefined}
              onChange={(e) => setText(e.target.value)}
            />
          </label>
          {problem && trimmed && <div className="field-error">{problem}</div>}
          {replaces && !problem && <div className="field-warning">This replaces the saved “{trimmed}”.</div>}
        </form>
      )}
      <div className="row end">
        {q.choices.map((c) => (
          <button
            key={c.value}
            type="button"
            className={c.kind}
            data-autofocus={!q.input && c.kind === 'primary' ? true : undefined}
            disabled={c.needsText && Boolean(problem)}
            onClick={() => choose(c.value)}
          >
            {c.label}
          </button>
        ))}
      </div>
    </Modal>
  );
}
