// Shared by the NoEcho safety tests: a template with one NoEcho parameter and a manifest
// that writes a recognisable secret into it.

export const SECRET = 'S3cr3t-Hunter2-zq9X';
export const ROTATED = 'R0tated-Swordfish-k7Qw';
export const STACK = 'secret-api';
export const REGIONS = ['eu-west-1', 'us-east-2'];

export const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Stage:
    Type: String
    Default: prod
  DbPassword:
    Type: String
    NoEcho: true
    MinLength: 8
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: !Sub 'regional-api-\${Stage}'
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          DB_PASSWORD: !Ref DbPassword
Outputs:
  ApiDomainName:
    Value: !GetAtt Api.RootResourceId
`;

export function manifestText(parameters = `{ Stage: prod, DbPassword: "${SECRET}" }`, name = STACK, template = 'stacks/api.yaml'): string {
  return `apiVersion: regionctl/v1
kind: RegionSet
metadata:
  name: ${name}
spec:
  stack:
    name: ${STACK}
    template: ${template}
    parameters: ${parameters}
  dns:
    zone: example.com.
    records:
      - name: secret.example.com.
        routing: latency
        target: ApiDomainName
  rollout:
    minHealthyRegions: 1
  regions:
    eu-west-1: {}
    us-east-2: {}
`;
}

