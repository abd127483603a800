import { NotBuiltYet } from '../app/StatusPages';

/** Placeholder until the orders area is built: says so plainly, shows no sample data. */
export default function OrdersPage() {
  return <NotBuiltYet area="orders" />;
}
