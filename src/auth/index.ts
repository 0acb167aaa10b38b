/** Authentication and ACL: users and rules (acl.json), permission evaluation, the clients' signatures. */
export { AclStore, AuthError, ACL_FILE_NAME, type AclUser, type AclUserView, type UserSpec, type UserUpdate, type AuthErrorCode } from './acl-store.js';
export { Authorizer, type AuthDecision } from './authorizer.js';
export { Perm, PERM_NAMES, parsePerm, permName, permits, type PermName } from './permission.js';
export { clusterResource, groupResource, topicResource, describeResource, type Resource } from './resource.js';
export * from './signature.js';
