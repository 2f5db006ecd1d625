import { CustomVariableSupport, DataQueryRequest, DataQueryResponse } from '@grafana/data';
import { from, map, Observable } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import { QueryType, TrustQuery, VariableKind } from './types';

/** Template variables: the variable editor's query runs on the backend as queryType "variable". */
export class TrustVariableSupport extends CustomVariableSupport<DataSource, TrustQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  getDefaultQuery(): Partial<TrustQuery> {
    return { queryType: QueryType.Variable, variable: VariableKind.Models };
  }

  query(request: DataQueryRequest<TrustQuery>): Observable<DataQueryResponse> {
    const target = request.targets[0];
    if (!target) {
      return from([{ data: [] }]);
    }
    const values = this.datasource.metricFindQuery(target, { range: request.range, scopedVars: request.scopedVars });
    return from(values).pipe(map((data) => ({ data })));
  }
}
