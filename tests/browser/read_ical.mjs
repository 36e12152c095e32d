// Reads an iCalendar feed on stdin the way Thunderbird and Nextcloud do (ical.js) and
// prints {"UID": ["start", "end"], …} with each instant in UTC, ISO 8601.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const calendar = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const instants = {};
for (const component of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(component);
  instants[event.uid] = [event.startDate, event.endDate].map((time) =>
    new Date(time.toUnixTime() * 1000).toISOString(),
  );
}
process.stdout.write(JSON.stringify(instants));
