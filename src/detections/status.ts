// Changing an alert's status (acknowledge, resolve, reopen) for the CLI and the GraphQL mutations: the alert
// store records who and when (detections.md §4), then marts.alerts is rewritten so analysts see it at once.
import { publishAlertMarts } from './marts.js';
import { type AlertRow, AlertStore } from './store.js';

export type StatusAction = 'acknowledge' | 'resolve' | 'reopen';

/** Throws AlertNotFoundError or AlertStatusError (nothing changed) as the store does. */
export async function changeAlertStatus(dataDir: string, id: string, action: StatusAction, by: string, note?: string): Promise<AlertRow> {
  const store = AlertStore.open(dataDir);
  let alert: AlertRow;
  try {
    alert = action === 'acknowledge' ? store.acknowledge(id, by, note) : action === 'resolve' ? store.resolve(id, by, note) : store.reopen(id, by, note);
  } finally {
    store.close();
  }
  await publishAlertMarts(dataDir);
  return alert;
}
