/** hotswap's own version, recorded in every manifest. Kept in step with package.json by a test. */
export const HOTSWAP_VERSION = '0.1.0';
