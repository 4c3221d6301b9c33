import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CfnResource, NestedStack, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createPlatformApp } from '../../lib/app';
import type { PlatformStacks } from '../../lib/platform';
import type { MerchantApiDomainConfig } from '../../platform/deployment';

/**
 * Synthesizes the whole platform once per test file, without bundling Lambda code (bundling is proven
 * by the `cdk synth` test), without the built-in CloudFormation validation (slow; `cdk synth` runs it)
 * and without the security gates (security-gates.test.ts runs them).
 */
export const TEST_ACCOUNT = '123456789012';

export interface SynthesizedPlatform {
  readonly stacks: PlatformStacks;
  readonly templates: {
    readonly primaryTablesKey: Template;
    readonly secondaryTablesKey: Template;
    readonly primaryData: Template;
    readonly secondaryData: Template;
    readonly primaryApi: Template;
    readonly secondaryApi: Template;
  };
}

/**
 * A stack's template with the resources of its nested stacks (the API stack keeps its functions in one:
 * lib/api-stack.ts), so a test finds a function, its role and policy, and what invokes it, in one place.
 * Logical ids are unique across the two (CDK names nested resources by their path).
 */
export const withNestedStacks = (stack: Stack): Template => {
  type Json = { Resources: Record<string, unknown>; Outputs?: Record<string, { Value: unknown }> };
  const parent = Template.fromStack(stack).toJSON() as Json;
  const nested = stack.node.findAll().filter((construct): construct is NestedStack => construct instanceof NestedStack);
  const resources = { ...parent.Resources };
  // A parent's reference to a nested stack's output, replaced by what the output holds (the nested resource's own reference).
  const outputs = new Map<string, unknown>();
  // A nested resource's reference to a parent's resource (a parameter CDK names `referenceto…`), replaced by what the
  // parent passes (the parent resource's own reference).
  const references = new Map<string, unknown>();
  for (const child of nested) {
    const template = Template.fromStack(child).toJSON() as Json;
    Object.assign(resources, template.Resources);
    const resourceId = stack.getLogicalId(child.nestedStackResource as CfnResource);
    for (const [name, output] of Object.entries(template.Outputs ?? {})) outputs.set(`${resourceId}|Outputs.${name}`, output.Value);
    const passed = (parent.Resources[resourceId] as { Properties?: { Parameters?: Record<string, unknown> } } | undefined)?.Properties?.Parameters ?? {};
    for (const [name, value] of Object.entries(passed)) if (name.startsWith('referenceto')) references.set(name, value);
  }
  const inline = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(inline);
    if (value === null || typeof value !== 'object') return value;
    const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt && outputs.has(`${getAtt[0]}|${getAtt[1]}`)) return outputs.get(`${getAtt[0]}|${getAtt[1]}`);
    const ref = (value as { Ref?: string }).Ref;
    if (typeof ref === 'string' && references.has(ref)) return inline(references.get(ref));
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, inline(inner)]));
  };
  return Template.fromJSON({ ...parent, Resources: inline(resources) as Record<string, unknown> });
};

export const synthesizePlatform = (
  options: { readonly merchantApiDomain?: MerchantApiDomainConfig; readonly regionalApiUrls?: Readonly<Record<string, string>> } = {},
): SynthesizedPlatform => {
  const { stacks } = createPlatformApp({
    account: TEST_ACCOUNT,
    ...options,
    gates: false,
    outdir: mkdtempSync(join(tmpdir(), 'xborder-cdk-')),
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  return {
    stacks,
    templates: {
      primaryTablesKey: Template.fromStack(stacks.primaryTablesKey),
      secondaryTablesKey: Template.fromStack(stacks.secondaryTablesKey),
      primaryData: Template.fromStack(stacks.primaryData),
      secondaryData: Template.fromStack(stacks.secondaryData),
      primaryApi: withNestedStacks(stacks.primaryApi),
      secondaryApi: withNestedStacks(stacks.secondaryApi),
    },
  };
};

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

export const resourcesOf = (template: Template): Resources => template.toJSON().Resources as Resources;

/** The function with this name, its role, the IAM statements of every policy attached to it, and which kinds those policies are. */
export const functionPolicy = (template: Template, name: string) => {
  const resources = resourcesOf(template);
  const [functionId, fn] = Object.entries(resources).find(
    ([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.FunctionName === name,
  ) ?? [undefined, undefined];
  if (!functionId || !fn) throw new Error(`No function named ${name}`);
  const roleId = ((fn.Properties?.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'] ?? [])[0];
  const attached = Object.values(resources).filter(
    (resource) =>
      (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') &&
      ((resource.Properties?.Roles as { Ref: string }[] | undefined) ?? []).some((role) => role.Ref === roleId),
  );
  const statements = attached.flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
  const role = resources[roleId as string];
  return { functionId, fn, roleId, role, statements, policyTypes: attached.map((policy) => policy.Type) };
};

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** An ARN written as `Fn::Join` of strings and `Ref: AWS::Partition`, as a plain string ('aws' partition). */
export const plainArn = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map((part) => ((part as { Ref?: string }).Ref === 'AWS::Partition' ? 'aws' : plainArn(part))).join(join[0]);
  return JSON.stringify(value);
};
