import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { DteTrustOptions, DteTrustSecureJsonData, TrustQuery } from './types';

// Template variables and annotations are wired in the DataSource constructor (variables, annotations).
export const plugin = new DataSourcePlugin<DataSource, TrustQuery, DteTrustOptions, DteTrustSecureJsonData>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
