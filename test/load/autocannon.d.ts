// The part of autocannon's API the agreement test uses (the package ships no types).
declare module "autocannon" {
  interface Result {
    readonly requests: { readonly average: number };
    readonly latency: { readonly p50: number };
    readonly errors: number;
  }
  function autocannon(options: {
    url: string;
    connections: number;
    duration: number;
  }): Promise<Result>;
  export default autocannon;
}
