// Who may do what: the same role sets as the admin API (mailgate/api/roles.py and the routes). The console
// hides a control the user's roles may not use; the API refuses it anyway.
export const ADMINISTRATOR = 'Administrator';
export const SECURITY_OFFICER = 'SecurityOfficer';
export const AUDITOR = 'Auditor';
export const PERSONAL_USER = 'PersonalUser';

export const READERS = [ADMINISTRATOR, SECURITY_OFFICER, AUDITOR];
export const OPERATORS = [ADMINISTRATOR, SECURITY_OFFICER];
export const SETTINGS_READERS = [ADMINISTRATOR, AUDITOR];
export const ADMINISTRATORS = [ADMINISTRATOR];
export const OWN_LIST_WRITERS = [ADMINISTRATOR, SECURITY_OFFICER, PERSONAL_USER];
export const RELEASERS = [ADMINISTRATOR, SECURITY_OFFICER, PERSONAL_USER];
export const DOWNLOADERS = [ADMINISTRATOR, SECURITY_OFFICER, PERSONAL_USER];
export const PERSONAL = [PERSONAL_USER];
export const ALL = [ADMINISTRATOR, SECURITY_OFFICER, AUDITOR, PERSONAL_USER];

let current = { roles: [], addresses: [], username: '' };

export function setMe(me) {
  current = me;
}

export function me() {
  return current;
}

export function can(allowed) {
  return current.roles.some((role) => allowed.includes(role));
}

// A personal user only (no privileged role): the console shows the personal view.
export function personalOnly() {
  return !can(READERS);
}
