// CloudFormation: the outputs of a deployed Stammkunde stack (publish --stack finds the table,
// and resume the send queue, by the stack's name instead of generated resource names).
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

export const createCloudFormationClient = (region?: string): CloudFormationClient => new CloudFormationClient(region ? { region } : {});

/** OutputKey -> OutputValue of a stack; throws naming the stack when it does not exist. */
export const readStackOutputs = async (client: CloudFormationClient, stackName: string): Promise<Record<string, string>> => {
  let stacks;
  try {
    ({ Stacks: stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName })));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`stack "${stackName}": ${message}`, { cause: error });
  }
  const stack = stacks?.[0];
  if (!stack) throw new Error(`stack "${stackName}" does not exist`);
  return Object.fromEntries((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
};
