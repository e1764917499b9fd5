/** The JSON client lives in @sluice/testing, where system tests reach it too. */
export { apiClient, login, TEST_PASSWORD, unique, type ApiResponse, type Call } from '@sluice/testing';
