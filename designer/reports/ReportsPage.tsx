import { NotBuiltYet } from '../app/StatusPages';

/** Placeholder until the reports area is built: says so plainly, shows no sample data. */
export default function ReportsPage() {
  return <NotBuiltYet area="reports" />;
}
