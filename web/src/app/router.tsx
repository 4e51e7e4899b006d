import { Center, Loader } from '@mantine/core';
import { createRootRoute, createRoute, createRouter, Navigate, Outlet } from '@tanstack/react-router';
import { useMe } from '../api/hooks.ts';
import { AcceptPage } from '../pages/Accept/AcceptPage.tsx';
import { AuditPage } from '../pages/Audit/AuditPage.tsx';
import { FlowRunPage } from '../pages/Flows/FlowRunPage.tsx';
import { FlowRunsPage } from '../pages/Flows/FlowRunsPage.tsx';
import { FlowTemplatesPage } from '../pages/Flows/FlowTemplatesPage.tsx';
import { TemplateDesignerPage } from '../pages/Flows/TemplateDesignerPage.tsx';
import { ImportPage } from '../pages/Import/ImportPage.tsx';
import { MyProfilePage } from '../pages/MyProfile/MyProfilePage.tsx';
import { MySecurityPage } from '../pages/MySecurity/MySecurityPage.tsx';
import { OutboxPage } from '../pages/Outbox/OutboxPage.tsx';
import { ProvisioningPage } from '../pages/Provisioning/ProvisioningPage.tsx';
import { ResetPasswordPage } from '../pages/ResetPassword/ResetPasswordPage.tsx';
import { ResourcesPage } from '../pages/Resources/ResourcesPage.tsx';
import { RolesPage } from '../pages/Roles/RolesPage.tsx';
import { SecuritySettingsPage } from '../pages/SecuritySettings/SecuritySettingsPage.tsx';
import { SignInPage } from '../pages/SignIn/SignInPage.tsx';
import { TenantDetailPage } from '../pages/Tenants/TenantDetailPage.tsx';
import { TenantsPage } from '../pages/Tenants/TenantsPage.tsx';
import { UserDetailPage } from '../pages/UserDetail/UserDetailPage.tsx';
import { UsersPage } from '../pages/Users/UsersPage.tsx';
import { VerifyEmailPage } from '../pages/VerifyEmail/VerifyEmailPage.tsx';
import { WebhooksPage } from '../pages/Webhooks/WebhooksPage.tsx';
import { Shell } from './Shell.tsx';

function Home() {
  const me = useMe();
  if (me.isLoading) {
    return (
      <Center h="100vh">
        <Loader />
      </Center>
    );
  }
  if (!me.data) return <Navigate to="/sign-in" />;
  return <Navigate to={landingOf(me.data.permissions)} params={{ tenantId: me.data.tenant.id }} />;
}

/** The directory for those who may read it; everyone else lands on their own profile. */
const landingOf = (permissions: string[]) =>
  permissions.includes('users.read') ? '/t/$tenantId/users' : '/t/$tenantId/me/profile';

const root = createRootRoute({ component: () => <Outlet /> });
const signIn = createRoute({ getParentRoute: () => root, path: '/sign-in', component: SignInPage });
const acceptInvitation = createRoute({
  getParentRoute: () => root,
  path: '/invitation',
  component: AcceptPage,
});
const resetPassword = createRoute({
  getParentRoute: () => root,
  path: '/reset-password',
  component: ResetPasswordPage,
});
const verifyEmail = createRoute({
  getParentRoute: () => root,
  path: '/verify-email',
  component: VerifyEmailPage,
});
const home = createRoute({ getParentRoute: () => root, path: '/', component: Home });
const tenant = createRoute({ getParentRoute: () => root, path: '/t/$tenantId', component: Shell });
function TenantHome() {
  const { tenantId } = tenant.useParams();
  const me = useMe();
  if (!me.data) return null;
  return <Navigate to={landingOf(me.data.permissions)} params={{ tenantId }} />;
}
const tenantHome = createRoute({ getParentRoute: () => tenant, path: '/', component: TenantHome });
const users = createRoute({ getParentRoute: () => tenant, path: 'users', component: UsersPage });
const userImport = createRoute({ getParentRoute: () => tenant, path: 'users/import', component: ImportPage });
const user = createRoute({ getParentRoute: () => tenant, path: 'users/$userId', component: UserDetailPage });
const roles = createRoute({ getParentRoute: () => tenant, path: 'roles', component: RolesPage });
const tenants = createRoute({ getParentRoute: () => tenant, path: 'tenants', component: TenantsPage });
const tenantDetail = createRoute({
  getParentRoute: () => tenant,
  path: 'tenants/$customerId',
  component: TenantDetailPage,
});
const mySecurity = createRoute({
  getParentRoute: () => tenant,
  path: 'me/security',
  component: MySecurityPage,
});
const myProfile = createRoute({ getParentRoute: () => tenant, path: 'me/profile', component: MyProfilePage });
const securitySettings = createRoute({
  getParentRoute: () => tenant,
  path: 'security',
  component: SecuritySettingsPage,
});
const outbox = createRoute({ getParentRoute: () => tenant, path: 'outbox', component: OutboxPage });
const audit = createRoute({ getParentRoute: () => tenant, path: 'audit', component: AuditPage });
const flows = createRoute({ getParentRoute: () => tenant, path: 'flows', component: FlowTemplatesPage });
const flowTemplate = createRoute({
  getParentRoute: () => tenant,
  path: 'flows/$templateId',
  component: TemplateDesignerPage,
});
const flowRuns = createRoute({ getParentRoute: () => tenant, path: 'flow-runs', component: FlowRunsPage });
const flowRun = createRoute({
  getParentRoute: () => tenant,
  path: 'flow-runs/$runId',
  component: FlowRunPage,
});
const provisioning = createRoute({
  getParentRoute: () => tenant,
  path: 'provisioning',
  component: ProvisioningPage,
});
const webhooks = createRoute({ getParentRoute: () => tenant, path: 'webhooks', component: WebhooksPage });
const resources = createRoute({ getParentRoute: () => tenant, path: 'resources', component: ResourcesPage });

export const router = createRouter({
  routeTree: root.addChildren([
    signIn,
    acceptInvitation,
    verifyEmail,
    resetPassword,
    home,
    tenant.addChildren([
      tenantHome,
      users,
      userImport,
      user,
      roles,
      tenants,
      tenantDetail,
      audit,
      provisioning,
      webhooks,
      mySecurity,
      myProfile,
      securitySettings,
      outbox,
      flows,
      flowTemplate,
      flowRuns,
      flowRun,
      resources,
    ]),
  ]),
  defaultPreload: false,
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
