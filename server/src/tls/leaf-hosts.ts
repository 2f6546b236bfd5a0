/** Host names and addresses the development leaf certificate covers. */
export const LEAF_HOSTS = { dns: ['localhost'], ips: ['127.0.0.1', '::1'] } as const;
