export function startRedisCluster(options: {
  ports: number[];
  dir?: string;
}): Promise<{ nodes: string; stop(): Promise<void> }>;
