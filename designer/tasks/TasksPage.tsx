import { NotBuiltYet } from '../app/StatusPages';

/** Placeholder until the tasks area is built: says so plainly, shows no sample data. */
export default function TasksPage() {
  return <NotBuiltYet area="tasks" />;
}
