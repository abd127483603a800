import { NotBuiltYet } from '../app/StatusPages';

/** Placeholder until the workflows area is built: says so plainly, shows no sample data. */
export default function WorkflowsPage() {
  return <NotBuiltYet area="workflows" />;
}
