/** ApiCallRc codes for the routes: every consts.json constant, generated into src/linstor. */
export * from '../../linstor/apicallrc.js';
