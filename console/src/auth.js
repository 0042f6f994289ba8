// Login: OpenID Connect authorization code flow with PKCE (oidc-client-ts), against the Cognito user pool's
// managed login in AWS and local mode's stand-in for it. The ID token is what the admin API's authorizer checks.
import { UserManager, WebStorageStateStore } from 'oidc-client-ts';

let manager = null;
let settings = null;

function makeManager(config) {
  return new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: window.location.origin + config.callbackPath,
    post_logout_redirect_uri: window.location.origin + '/',
    response_type: 'code',
    scope: config.scope,
    // sessionStorage: a token lives as long as the tab, never in a cookie the API would accept on its own
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    loadUserInfo: false,
    automaticSilentRenew: false,
    monitorSession: false,
  });
}

// The signed-in user, after finishing a login that just came back; null while the browser goes to the login.
export async function signIn(config) {
  settings = config;
  manager = makeManager(config);
  if (window.location.pathname === config.callbackPath) {
    const user = await manager.signinRedirectCallback();
    const back = (user.state && user.state.returnTo) || '/';
    window.history.replaceState(null, '', back.startsWith('/') && !back.startsWith('//') ? back : '/');
    return user;
  }
  const user = await manager.getUser();
  if (user && !user.expired && user.id_token) return user;
  await signInAgain();
  return null;
}

// Off to the login page; back to where the user was afterwards.
export async function signInAgain() {
  const returnTo = window.location.pathname + window.location.search;
  await manager.removeUser();
  await manager.signinRedirect({ state: { returnTo: returnTo === settings.callbackPath ? '/' : returnTo } });
}

export async function idToken() {
  const user = manager && (await manager.getUser());
  return user && !user.expired ? user.id_token : null;
}

export async function signOut() {
  await manager.removeUser();
  window.location.assign(settings.logoutUrl || '/');
}
