/** One e-mail reminder to one person about one thing. The unique key makes "send once" a database fact. */
export interface ReminderDeliveriesTable {
  id: string;
  org_id: string;
  user_id: string;
  email: string;
  kind: 'due_soon' | 'overdue' | 'digest';
  /** What the reminder is about: a due item's stable key (schedule + occurrence date) or, for digests, the ISO week. */
  item_key: string;
  subject: string;
  body_text: string;
  /** pending → sending → sent; failed after the last attempt. "sending" left behind means a worker died mid-send. */
  state: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  message_id: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

export interface ReminderPreferencesTable {
  org_id: string;
  user_id: string;
  due_soon: number;
  overdue: number;
  digest: number;
  updated_at: string;
}

export interface RemindersTables {
  reminder_deliveries: ReminderDeliveriesTable;
  reminder_preferences: ReminderPreferencesTable;
}
