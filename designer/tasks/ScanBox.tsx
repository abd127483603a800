/**
 * Scan to work: the scan field (a keyboard-wedge scanner types into it, or a person types the order
 * number), the camera (BarcodeDetector, or ZXing where the browser has none), and what a scan does:
 * open the order's open task, or confirm a pick/pack task at once when its form needs nothing more.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { ApiError } from '../app/api';
import { errorMessage } from '../app/errors';
import { tasksApi } from './api';
import { useLiveInbox } from './live';
import { isMine } from './model';
import { cameraSupport, createDetector, parseScan, type CameraSupport } from './scan';
import type { InboxTaskDto } from '../../server/contracts/inbox';

export type ScanOutcome = { tone: 'ok' | 'error'; text: string } | undefined;

/** A pick or pack step: scanning its slip may confirm it directly. */
export const isPickOrPack = (t: Pick<InboxTaskDto, 'elementId' | 'name' | 'formKey'>) => /pick|pack/i.test(`${t.elementId} ${t.name} ${t.formKey ?? ''}`);

export function useScanToWork() {
  const { t } = useTranslation('tasks');
  const navigate = useNavigate();
  const { me, remember } = useLiveInbox();
  const [outcome, setOutcome] = useState<ScanOutcome>();
  const [busy, setBusy] = useState(false);

  const handleScan = useCallback(
    async (text: string) => {
      const parsed = parseScan(text);
      if (!parsed) {
        setOutcome({ tone: 'error', text: t('scan.noOrderNumber', { text: text.slice(0, 60) }) });
        return;
      }
      const number = parsed.orderNumber;
      setBusy(true);
      try {
        const { tasks } = await tasksApi.scan(number);
        const task = tasks.find((x) => x.status === 'open' || isMine(x, me));
        if (!task) {
          setOutcome({ tone: 'error', text: tasks.length ? t('scan.heldByOthers', { number, by: tasks[0].assignee ?? '' }) : t('scan.noTask', { number }) });
          return;
        }
        if (task.noInput && isPickOrPack(task)) {
          if (task.status === 'open') remember(await tasksApi.claim(task.id));
          remember(await tasksApi.complete(task.id, {}));
          setOutcome({ tone: 'ok', text: t('scan.confirmed', { number, task: task.name }) });
          return;
        }
        setOutcome(undefined);
        navigate(`/tasks/${encodeURIComponent(task.id)}`);
      } catch (err) {
        const detail = err instanceof ApiError && err.status < 500 && err.status !== 0 ? ` (${err.title})` : '';
        setOutcome({ tone: 'error', text: `${t('scan.failed', { number })} ${errorMessage(t, err)}${detail}` });
      } finally {
        setBusy(false);
      }
    },
    [t, me, navigate, remember],
  );

  return { handleScan, outcome, clearOutcome: () => setOutcome(undefined), busy };
}

export function ScanBox({ onScan, busy }: { onScan: (text: string) => void; busy: boolean }) {
  const { t } = useTranslation('tasks');
  const [value, setValue] = useState('');
  const [camera, setCamera] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!value.trim()) return;
    onScan(value);
    setValue('');
  };
  return (
    <>
      <form className="scan-box" role="search" aria-label={t('scan.label')} onSubmit={submit}>
        <span className="scan-icon" aria-hidden="true">
          ▥
        </span>
        <input
          id="task-scan"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder={t('scan.placeholder')}
          aria-label={t('scan.label')}
          autoComplete="off"
          spellCheck={false}
          disabled={busy}
        />
        <button type="button" className="btn btn-small" onClick={() => setCamera(true)}>
          {t('scan.camera')}
        </button>
      </form>
      {camera ? (
        <CameraScanner
          onClose={() => setCamera(false)}
          onCode={(code) => {
            setCamera(false);
            onScan(code);
          }}
        />
      ) : null}
    </>
  );
}

function CameraScanner({ onClose, onCode }: { onClose: () => void; onCode: (code: string) => void }) {
  const { t } = useTranslation('tasks');
  const video = useRef<HTMLVideoElement>(null);
  const [support, setSupport] = useState<CameraSupport | 'checking' | 'denied'>('checking');

  useEffect(() => {
    let stopped = false;
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    void (async () => {
      const s = cameraSupport();
      setSupport(s);
      if (s !== 'ok') return;
      const detector = await createDetector();
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      } catch {
        if (!stopped) setSupport('denied');
        return;
      }
      if (stopped || !video.current) return;
      video.current.srcObject = stream;
      await video.current.play().catch(() => undefined);
      const look = async () => {
        if (stopped || !video.current) return;
        const found = await detector.detect(video.current).catch(() => []);
        const code = found.find((f) => parseScan(f.rawValue));
        if (code) onCode(code.rawValue);
        else timer = setTimeout(() => void look(), 250);
      };
      void look();
    })();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      stream?.getTracks().forEach((tr) => tr.stop());
    };
  }, [onCode]);

  return (
    <div className="camera-panel" role="dialog" aria-label={t('scan.cameraTitle')}>
      <div className="camera-head">
        <h2>{t('scan.cameraTitle')}</h2>
        <button type="button" className="btn btn-small" onClick={onClose}>
          {t('common:actions.close')}
        </button>
      </div>
      {support === 'ok' ? <video ref={video} className="camera-video" muted playsInline /> : null}
      <p className={support === 'ok' || support === 'checking' ? 'muted' : 'camera-unsupported'} data-camera={support}>
        {t(`scan.cameraState.${support}`)}
      </p>
    </div>
  );
}
