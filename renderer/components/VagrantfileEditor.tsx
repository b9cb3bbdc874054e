/** The lab's Vagrantfile, edited in place: read (generated when missing), saved only when Ruby can parse it. */
import { useEffect, useState } from 'react';
import { lab, run } from '../bus.js';
import { useBusy } from '../store.js';
import { Dialog, DialogActions } from './Dialog.js';

export function VagrantfileEditor({ onClose }: { onClose(): void }) {
  const [text, setText] = useState<string | null>(null);
  const [path, setPath] = useState('');
  const [error, setError] = useState<string | null>(null);
  const saving = useBusy('vagrantfilePut');

  useEffect(() => {
    lab()
      .vagrantfileGet({})
      .then((r) => {
        setText(r.text);
        setPath(r.path);
      })
      .catch((err: Error) => setError(err.message));
  }, []);

  const save = async () => {
    if (text === null) return;
    const r = await run('vagrantfilePut', (api) => api.vagrantfilePut({ text }));
    if (r.ok) onClose();
    else setError(r.error ?? 'not saved');
  };

  return (
    <Dialog label="Vagrantfile" onClose={onClose} wide>
      <div className="muted small-text">{path || 'reading…'}</div>
      <textarea
        className="code-editor"
        aria-label="Vagrantfile text"
        spellCheck={false}
        value={text ?? ''}
        disabled={text === null}
        onChange={(e) => setText(e.target.value)}
      />
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <DialogActions confirm="Save" disabled={text === null} busy={saving} onConfirm={() => void save()} onCancel={onClose} />
    </Dialog>
  );
}
