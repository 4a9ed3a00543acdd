// Errors as the AWS SDK throws them (a ServiceException): `name` is AWS's error code, with
// AWS's message, the fault side and the HTTP status. The adapters' error mapping
// (providers/aws/errors.ts) then treats a sandbox refusal exactly like one from AWS.

export class SandboxServiceException extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number };

  constructor(code: string, message: string, httpStatusCode = 400, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = code;
    this.$fault = httpStatusCode >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode };
    Object.assign(this, extra);
  }
}

export function awsError(code: string, message: string, httpStatusCode = 400, extra: Record<string, unknown> = {}): SandboxServiceException {
  return new SandboxServiceException(code, message, httpStatusCode, extra);
}
