import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { groupProblem, normalizeGroup } from './model';

/** The groups as chips; read-only without onChange. */
export function GroupChips({ groups, onRemove, disabled }: { groups: readonly string[]; onRemove?: (group: string) => void; disabled?: boolean }) {
  const { t } = useTranslation('admin');
  return (
    <>
      {groups.map((g) => (
        <span key={g} className="chip" data-group={g}>
          {g}
          {onRemove ? (
            <button type="button" className="chip-remove" aria-label={t('users.removeGroup', { group: g })} disabled={disabled} onClick={() => onRemove(g)}>
              ×
            </button>
          ) : null}
        </span>
      ))}
    </>
  );
}

/**
 * Candidate groups with add and remove. Enter or a comma adds what is typed, checked like the
 * server does (lower-cased first). `compact` hides the box behind a + button, for table cells,
 * where leaving the box adds too. In a form, leaving the box does not add (the layout would shift
 * under the pointer on its way to the submit button): the form takes the typed rest from onPending.
 */
export function GroupsEditor({
  value,
  onChange,
  label,
  addLabel,
  disabled,
  compact,
  inputId,
  describedBy,
  onPending,
}: {
  value: readonly string[];
  onChange: (groups: string[]) => void;
  label: string;
  /** names the + button and the box in compact mode */
  addLabel?: string;
  disabled?: boolean;
  compact?: boolean;
  inputId?: string;
  describedBy?: string;
  /** what is typed but not added yet */
  onPending?: (text: string) => void;
}) {
  const { t } = useTranslation('admin');
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  const [open, setOpen] = useState(!compact);
  const input = useRef<HTMLInputElement>(null);
  const errorId = useId();

  const add = (): boolean => {
    const name = normalizeGroup(text);
    if (!name) return true;
    const why = groupProblem(name, value);
    if (why) {
      setProblem(t(`groupErrors.${why}`));
      return false;
    }
    setProblem(undefined);
    setText('');
    onPending?.('');
    onChange([...value, name]);
    return true;
  };

  const close = () => {
    setText('');
    setProblem(undefined);
    if (compact) setOpen(false);
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' || e.key === ',') {
      e.preventDefault(); // inside a form: adds, does not submit
      if (add() && compact) close();
    } else if (e.key === 'Escape' && compact) {
      e.preventDefault();
      close();
    } else if (e.key === 'Backspace' && !text && value.length && !compact) {
      onChange(value.slice(0, -1));
    }
  };

  return (
    <div className={problem ? 'groups-editor field-invalid' : 'groups-editor'} role="group" aria-label={label}>
      <div className="chips">
        <GroupChips groups={value} disabled={disabled} onRemove={(g) => onChange(value.filter((x) => x !== g))} />
        {open ? (
          <input
            ref={input}
            id={inputId}
            className="chip-input"
            value={text}
            disabled={disabled}
            placeholder={t('users.newGroup')}
            aria-label={compact ? addLabel : undefined}
            aria-invalid={problem ? true : undefined}
            aria-describedby={[problem ? errorId : undefined, describedBy].filter(Boolean).join(' ') || undefined}
            autoFocus={compact}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => {
              setText(e.target.value);
              setProblem(undefined);
              onPending?.(e.target.value);
            }}
            onKeyDown={onKey}
            onBlur={() => {
              if (compact && add()) close();
            }}
          />
        ) : (
          <button type="button" className="chip-add" aria-label={addLabel ?? t('users.addGroup')} title={t('users.addGroup')} disabled={disabled} onClick={() => setOpen(true)}>
            +
          </button>
        )}
      </div>
      {problem ? (
        <div id={errorId} className="field-error" role="alert">
          {problem}
        </div>
      ) : null}
    </div>
  );
}
