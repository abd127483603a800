/**
 * Drafts of process diagrams, kept in this browser (localStorage) per process key until deployed
 * or discarded. Deploying creates the shared, versioned copy on the server.
 */
const PREFIX = 'ordo.workflows.draft.';

export interface Draft {
  key: string;
  xml: string;
  savedAt: string;
}

export function loadDraft(key: string): Draft | undefined {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as Draft;
    return typeof parsed.xml === 'string' && typeof parsed.savedAt === 'string' ? { ...parsed, key } : undefined;
  } catch {
    return undefined;
  }
}

/** Throws when the browser refuses (storage full or disabled): the caller shows it. */
export function saveDraft(key: string, xml: string): Draft {
  const draft = { key, xml, savedAt: new Date().toISOString() };
  localStorage.setItem(PREFIX + key, JSON.stringify(draft));
  return draft;
}

export function discardDraft(key: string): void {
  try {
    localStorage.removeItem(PREFIX + key);
  } catch {
    /* storage disabled: nothing was kept */
  }
}

/** Keys of every draft in this browser (for the process list). */
export function listDrafts(): Draft[] {
  const out: Draft[] = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (!k?.startsWith(PREFIX)) continue;
      const d = loadDraft(k.slice(PREFIX.length));
      if (d) out.push(d);
    }
  } catch {
    /* storage disabled */
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** sessionStorage key of a .bpmn file imported on the process list, for the modeler to open */
export const IMPORT_KEY = 'ordo.workflows.import';
