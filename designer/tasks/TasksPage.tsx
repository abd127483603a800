/**
 * Tasks: the operators' live inbox (/tasks) and one task (/tasks/:id). One live connection serves
 * both, so moving between them keeps what the socket has told us.
 */
import { Route, Routes } from 'react-router';
import { registerMessages } from '../i18n';
import messages from './i18n';
import { InboxPage } from './InboxPage';
import { LiveInboxProvider } from './live';
import { TaskPage } from './TaskPage';
import './tasks.css';

registerMessages(messages);

export default function TasksPage() {
  return (
    <LiveInboxProvider>
      <Routes>
        <Route index element={<InboxPage />} />
        <Route path=":id" element={<TaskPage />} />
      </Routes>
    </LiveInboxProvider>
  );
}
