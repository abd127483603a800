/**
 * Named permissions, one per action, and the built-in roles. Shared with the designer (menus are
 * shown by permission) and used by every route's guard. API keys carry a subset as their scopes.
 */
export const PERMISSIONS = {
  'users.read': 'See users and roles',
  'users.manage': 'Create users, change roles, disable users',
  'apiKeys.manage': 'Create and revoke API keys',
  'audit.read': 'Read and export the audit log',
  'workflows.read': 'See process definitions and diagrams',
  'workflows.edit': 'Edit process drafts',
  'workflows.deploy': 'Deploy new process versions',
  'instances.read': 'See running and finished process instances',
  'instances.start': 'Start process instances',
  'instances.operate': 'Cancel instances, retry incidents, edit variables',
  'messages.send': 'Correlate messages to waiting instances',
  'rules.read': 'See rule sets',
  'rules.edit': 'Edit rule-set drafts and test them',
  'rules.publish': 'Publish rule-set versions',
  'rules.evaluate': 'Evaluate a rule set through the API',
  'connectors.read': 'See connectors and their operations',
  'connectors.manage': 'Create and change connectors and webhooks',
  'credentials.manage': 'Create and change stored credentials',
  'templates.read': 'See print templates',
  'templates.edit': 'Design print templates',
  'templates.publish': 'Publish print-template versions',
  'print.run': 'Print and reprint documents',
  'tasks.read': 'See task queues',
  'tasks.work': 'Claim, unclaim and complete tasks',
  'tasks.assign': 'Assign and delegate tasks to others',
  'tasks.all': 'See every queue, not only one’s own groups',
  'orders.read': 'Search and read orders',
  'orders.write': 'Enter and edit orders',
  'orders.cancel': 'Cancel and hold orders',
  'orders.import': 'Import orders from files',
  'reports.read': 'See reports and export them',
  'scheduling.read': 'See the scheduling board (load per warehouse, production line and day)',
  'scheduling.plan': 'Move orders on the scheduling board and change the capacity Ordo keeps',
  'settings.manage': 'Change system settings',
} as const;

export type Permission = keyof typeof PERMISSIONS;
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

export const ROLES = ['admin', 'analyst', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const READ_ONLY: Permission[] = ['workflows.read', 'instances.read', 'rules.read', 'connectors.read', 'templates.read', 'tasks.read', 'orders.read', 'reports.read', 'scheduling.read'];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: ALL_PERMISSIONS,
  analyst: [
    ...READ_ONLY,
    'workflows.edit',
    'workflows.deploy',
    'instances.start',
    'messages.send',
    'rules.edit',
    'rules.publish',
    'rules.evaluate',
  ],
  // operators plan the warehouses' days: they see the board and move orders on it
  operator: ['tasks.read', 'tasks.work', 'orders.read', 'orders.write', 'orders.cancel', 'orders.import', 'print.run', 'templates.read', 'instances.read', 'reports.read', 'scheduling.read', 'scheduling.plan'],
  viewer: READ_ONLY,
};

export const permissionsOf = (role: Role): ReadonlySet<Permission> => new Set(ROLE_PERMISSIONS[role]);
