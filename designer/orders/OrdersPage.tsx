/** The orders area: search, the order page, phone entry, file import and mail that needs data entry. */
import { NavLink, Route, Routes } from 'react-router';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../app/ui';
import { useSession } from '../app/session';
import { registerMessages } from '../i18n';
import messages from './i18n';
import { OrderList } from './OrderList';
import { OrderDetail } from './OrderDetail';
import { OrderEntry } from './OrderEntry';
import { ImportWizard } from './ImportWizard';
import { Drafts } from './Drafts';
import './orders.css';

registerMessages(messages);

export default function OrdersPage() {
  const { t } = useTranslation('orders');
  const { can } = useSession();
  const tabs = [
    { to: '/orders', label: t('tabs.list'), end: true, show: true },
    { to: '/orders/new', label: t('tabs.new'), show: can('orders.write') },
    { to: '/orders/import', label: t('tabs.import'), show: can('orders.import') },
    { to: '/orders/drafts', label: t('tabs.drafts'), show: true },
  ];
  return (
    <div className="page orders-page">
      <PageHeader title={t('title')} />
      <nav className="tabs">
        {tabs
          .filter((x) => x.show)
          .map((x) => (
            <NavLink key={x.to} to={x.to} end={x.end} className={({ isActive }) => (isActive ? 'tab active' : 'tab')}>
              {x.label}
            </NavLink>
          ))}
      </nav>
      <Routes>
        <Route index element={<OrderList />} />
        <Route path="new" element={<OrderEntry />} />
        <Route path="import" element={<ImportWizard />} />
        <Route path="drafts" element={<Drafts />} />
        <Route path=":number" element={<OrderDetail />} />
      </Routes>
    </div>
  );
}
