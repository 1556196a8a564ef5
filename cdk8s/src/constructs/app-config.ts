import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { SECRET_VARIABLES } from '../config/values';
import { token } from '../helm/expr';
import { setTemplateFile } from '../helm/object-options';
import type { AppConfigProps } from './app-config-props';
import { checksumOf, objectMeta } from './context';
import { hookAnnotations } from './hook';


/** The ConfigMap of non-secret settings, plus the checksum its pods carry. */
export class AppConfig extends Construct {
  readonly name: string;
  /** Changes whenever the data changes. */
  readonly checksum: string;

  constructor(scope: Construct, id: string, props: AppConfigProps) {
    super(scope, id);
    const leaked = Object.keys(props.data).filter((k) => (SECRET_VARIABLES as readonly string[]).includes(k));
    if (leaked.length > 0) throw new Error(`ConfigMap ${id}: secret variables must come from a Secret reference: ${leaked.join(', ')}`);
    this.name = props.name;
    const body: IConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: objectMeta(props.context, props.name, props.component, hookAnnotations(props.context, props.hook)),
      data: props.data,
    };
    const obj = new ApiObject(this, 'Resource', body as never);
    setTemplateFile(obj, props.templateFile);
    this.checksum = props.context.helm
      ? token<string>('str', `include (print $.Template.BasePath "/${props.templateFile}") . | sha256sum`)
      : checksumOf(props.data);
  }
}
