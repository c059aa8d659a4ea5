import ical from 'ical-generator';
import { longDate } from '../../platform/clock';
import type { DueOccurrence } from './service';

/**
 * A due list as an iCalendar feed: one all-day event (DTSTART;VALUE=DATE) per due date, with a UID made from the
 * schedule and the date, so a calendar app updates the same event on every refresh instead of adding another.
 */
export function calendarFeed(name: string, items: DueOccurrence[], publicUrl: string, multiOrg: boolean): string {
  const cal = ical({ name: `Sightline maintenance – ${name}`, timezone: 'Europe/London', prodId: { company: 'Sightline', product: 'maintenance', language: 'EN' }, ttl: 3600 });
  for (const i of items) {
    const [y, m, d] = i.dueDate.split('-').map(Number);
    const where = [multiOrg ? i.orgName : null, i.where].filter(Boolean).join(', ');
    const status = i.status === 'overdue' ? `Overdue since ${longDate(i.dueDate)}${i.missed > 1 ? ` (${i.missed} due dates missed)` : ''}` : `Due ${longDate(i.dueDate)}`;
    cal.createEvent({
      id: `${i.scheduleId}-${i.dueDate}@sightline`,
      // ical-generator writes an all-day date from the Date's local fields, so build it in local time.
      start: new Date(y, m - 1, d), allDay: true,
      summary: `${i.status === 'overdue' ? 'OVERDUE: ' : ''}${i.title}${where ? ` – ${where}` : ''}`,
      description: `${status}. ${i.rule}.${i.assigneeName ? ` Assigned to ${i.assigneeName}.` : ''}\n${publicUrl}${i.path}`,
      url: `${publicUrl}${i.path}`,
    });
  }
  return cal.toString();
}
